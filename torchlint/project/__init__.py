"""The Project model and one loader per package manager (uv first), with TOML positions."""
