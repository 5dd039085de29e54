"""The negotiation maths, written once as array functions.

Every function takes arrays with a leading replicate axis ``R`` (``R = 1`` for
a single run driven by the Mesa model, ``R > 1`` for a batch of replicates),
then actors ``A`` and dimensions ``D`` where they apply.
"""
