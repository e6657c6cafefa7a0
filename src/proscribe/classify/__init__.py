"""Classification: category and context of each post, with a calibrated score."""
