"""Policy: profiles (data files) turn an assessment into a decision."""
