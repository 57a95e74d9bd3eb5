"""The page builders: one small function per page (or family of pages), each filling its template.

Every builder takes the tier's `render.Pages` (links, the page frame, listings, the texts' HTML)
and adds its pages to it; `render.render_tier` calls them in order.
"""
