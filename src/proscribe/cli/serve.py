"""`proscribe serve`: the HTTP API and the reviewers' web pages (uvicorn)."""

from __future__ import annotations

from pathlib import Path

import typer

from proscribe.cli import app
from proscribe.cli.common import DbOption, err, fail


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on. Keep 127.0.0.1 unless a TLS proxy sits in front."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on."),
    demo: bool = typer.Option(False, "--demo/--no-demo", help="Seed the fictional demo (accounts, posts, a review queue) and print an admin key, once per database."),
    db: str | None = DbOption,
    model: str | None = typer.Option(None, "--model", help="Classifier: a model name or directory. Default: the bundled model."),
    profile: list[Path] = typer.Option([], "--profile", help="A custom profile YAML file to serve besides meta, x and twitter-2021 (repeatable)."),
    high_reach: int = typer.Option(1_000_000, "--high-reach", min=0, help="Followers from which an enforced decision goes to the review queue for a person to confirm, under profiles that name no threshold of their own (thresholds.high_reach_followers)."),
    secure_cookies: bool = typer.Option(False, "--secure-cookies", help="Mark the session cookie Secure (serve behind HTTPS)."),
    log_level: str = typer.Option("warning", "--log-level", help="uvicorn's log level: critical, error, warning, info, debug."),
    assessors: int | None = typer.Option(None, "--assessors", min=1, max=64, help="Threads that run the model side by side, so that a post reaching the model waits only when all are busy. Default: the usable cores, at most 4."),
    encoder_threads: int | None = typer.Option(None, "--encoder-threads", min=1, max=64, help="Threads for each pass of the sentence encoder. Default: the usable cores shared out among the assessors (one each on two cores), so that two posts at the model run side by side rather than each waiting for both cores."),
    writer_process: bool = typer.Option(True, "--writer-process/--writer-thread", help="Decide posts in a second process (the default: the HTTP server and the writer each get a core) or in a thread of this one (one process, about half the memory)."),
) -> None:
    """Serve the JSON API (/v1, OpenAPI at /docs) and the reviewers' pages (/queue) until stopped.

    Every /v1 endpoint needs a key from `proscribe keys create`; /healthz is open.
    With --demo the database gets the fictional demo once, and the first start
    prints an admin key to sign in with (later starts say how to make another).

    Example:  proscribe serve --demo   then open http://127.0.0.1:8000/
    """
    import uvicorn

    from proscribe.api.app import create_app
    from proscribe.api.service import ServiceConfig
    from proscribe.classify.encoder import usable_cores
    from proscribe.pipeline import MissingPart
    from proscribe.policy.profile import load
    from proscribe.policy.yamlfile import FileError
    from proscribe.review.queue import QueueSettings
    from proscribe.store.db import DatabaseError, redact, resolve_url

    url = resolve_url(db)
    custom = {}
    for path in profile:
        try:
            p = load(path)
        except FileError as exc:
            raise fail(f"invalid profile:\n{exc}") from None
        custom[p.name] = p
    assessors = assessors or min(4, usable_cores())
    config = ServiceConfig(db_url=url, model=model, queue=QueueSettings(high_reach_followers=high_reach), profiles=custom, secure_cookies=secure_cookies,
                           writer_process=writer_process, assessors=assessors,
                           encoder_threads=encoder_threads or max(1, usable_cores() // assessors))
    try:
        application = create_app(config)
    except DatabaseError as exc:
        raise fail(str(exc)) from None
    if demo:
        from proscribe.examples import demo as demo_seed

        result = demo_seed.seed(url)
        err.print(f"demo: {result.decided} new decisions, {result.queued} new review items in {redact(url)}", highlight=False)
        if result.admin_key:
            err.print("demo admin key (shown once; only its hash is stored):", highlight=False)
            typer.echo(result.admin_key)
        else:
            err.print(
                f"a demo admin key exists already (name {demo_seed.ADMIN_NAME}); make another with: "
                f"proscribe keys create --role admin --name NAME{' --db ' + redact(url) if db else ''}",
                highlight=False,
            )
    try:
        application.state.service.warm()  # load the registry and the model, all of it, before the first request
    except MissingPart as exc:
        err.print(f"[yellow]warning:[/] {exc}; posts cannot be decided until it is available (review pages still work)", highlight=False)
    import gc

    # The registry, matcher and model stay for the life of the process: out of the collector's sight, a full
    # collection no longer walks them (about 140 ms on 2 shared cores, a pause in every request then waiting).
    gc.collect()
    gc.freeze()
    err.print(f"serving on http://{host}:{port}/ (API docs at /docs); Ctrl-C stops", highlight=False)
    try:
        uvicorn.run(application, host=host, port=port, log_level=log_level, access_log=False)
    finally:
        close = getattr(application.state.service.writer, "close", None)
        if close is not None:
            close()  # the writer's process answers what it holds, then ends
