"""Content-Security-Policy: one strict policy for the public site, a separate one for the admins.

The public templates carry no inline script or style, so the site's policy
(``CONTENT_SECURITY_POLICY``) allows scripts and styles from this server only. Wagtail's and
Django's admin interfaces ship inline scripts and styles of their own, which this project does
not control; they get ``CONTENT_SECURITY_POLICY_ADMIN`` instead, chosen here by URL prefix so
that no admin view needs decorating and no public view can fall under the laxer policy by
accident. Both policies are described in cms/settings/base.py and in the README.
"""

from __future__ import annotations

from csp.constants import SELF
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase


def is_admin_path(path_info: str) -> bool:
    """Whether a request path belongs to one of the admin interfaces (``URL_PREFIXES``)."""
    prefixes = settings.CONTENT_SECURITY_POLICY_ADMIN["URL_PREFIXES"]
    return path_info.startswith(tuple(prefixes))


class PathPolicyCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin policy for requests under the admin prefixes.

    A view's own ``@csp(...)`` config still wins; ``@csp_update``/``@csp_replace`` apply on top
    of whichever policy the path selected, as django-csp documents for the settings policy.

    Framing: both policies say frame-ancestors 'none', which browsers obey in place of
    X-Frame-Options. The editor frames two kinds of responses, and they get 'self' instead:

    - admin views that allow framing by this site with X-Frame-Options SAMEORIGIN (Wagtail's
      preview views and StreamField block previews do);
    - page previews. Wagtail renders one by sending a simulated request for the page's public
      path through the whole middleware stack, this one included; the inner pass sets the header
      and the outer one keeps it. So a preview keeps the public policy, which suits a draft's
      content, and only its frame-ancestors changes.
    """

    def get_policy_parts(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        report_only: bool = False,
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        admin = is_admin_path(request.path_info)
        if not report_only and parts.config is None and admin:
            parts.config = dict(settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"])
        same_origin = admin and response.get("X-Frame-Options", "").upper() == "SAMEORIGIN"
        if same_origin or getattr(request, "is_preview", False):
            parts.replace = {**(parts.replace or {}), "frame-ancestors": [SELF]}
        return parts
