"""The public 404 page: the host serves it for any address it does not have.

An address copied from an earlier build names a tier folder and page that no longer exist; its
lasting address (its query, addresses.py) still does. The page's one script (inline, its hash in the
page's Content-Security-Policy, so that it needs no file of the site whose root it does not know)
finds the site's root from the shape of such an address and leads to the start page with the
lasting address, where the loader opens the page asked for, after the passcode if need be. The page
names nothing: the same bytes in every build.
"""

from __future__ import annotations

import base64
import hashlib
import json

from portal.publish.seal.sealedformat import ADDRESS, HOME, TIER_FOLDER, content_security_policy, policy_meta

START_ID = "portal-start"

# The root is what precedes "<tier folder>/<page>"; an address of another shape gets no link.
SCRIPT = (
    "(function(){"
    f'var m=location.pathname.match(new RegExp("^(.*/)"+{json.dumps(TIER_FOLDER)}+"/[^/]*$"));'
    "if(!m)return;"
    "var a=location.search.slice(1);"
    f'var ok=a&&new RegExp("^"+{json.dumps(ADDRESS)}+"$").test(a);'
    f"var to=m[1]+{json.dumps(HOME)}+(ok?'#'+a:'');"
    f"var link=document.getElementById({json.dumps(START_ID)});"
    "link.href=to;link.parentNode.hidden=false;"
    "if(ok)location.replace(to);"
    "})();"
)
SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode()
POLICY = content_security_policy((SCRIPT_HASH,), loads_nothing=True)

NOT_FOUND = (
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
"""
    + policy_meta(POLICY)
    + """
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow"><meta name="referrer" content="no-referrer"><title>Page not found</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}</style>
</head><body><main><h1>Page not found</h1>
<p>This page does not exist, or it changed when the portal was last updated. Open the portal from its start page.</p>
"""
    + f'<p hidden><a id="{START_ID}" href="">Go to the start page</a>: once the portal is open, it shows the page you asked for if it is still there, or says why it left.</p>'
    + """
</main><script>"""
    + SCRIPT
    + """</script></body></html>
"""
)
