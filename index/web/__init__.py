"""Live sources: fetching under an address policy, feeds and sitemaps, article pages, the
web-article store and the refresh of sources."""
