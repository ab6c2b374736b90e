"""What serves people rather than programs: the dashboard page and its assets (app/routers
serves the JSON API). The page is a plain client of the public API."""
