"""The vocabulary every domain package and operation shares (the lowest layer inside ``advisor``).

One module per word: import from the module (``from advisor.core.grains import Grain``), not from this package, so
that importing one word never pulls in the others. Nothing here imports another ``advisor`` package.
"""
