"""The web portal: a backend-for-frontend that owns no domain data."""
