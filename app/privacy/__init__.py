"""Privacy: how long personal data is kept, and erasing it when its time is up."""
