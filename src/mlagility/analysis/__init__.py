"""Running a user's script and discovering the models it calls."""
