"""Partner delivery: specs, packages, the portal's and the API's data, tokens and webhooks.

Sits above production/ and subtitles/ (a package needs the report's media and its approved
tracks) and reads schedule/ for the upcoming list; nothing below imports it.
"""
