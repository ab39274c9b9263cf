"""The Mastodon client API: OAuth and the REST endpoints mainstream apps call.

It sits beside the ActivityPub side, as Takahē keeps it: every action goes
through the same local actions (``node.social_actions``) the web pages use.
"""
