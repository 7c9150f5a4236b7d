"""One module per rule, named ``tlNNN_<name>.py``; see :mod:`torchlint.rules.base` for the contract.

Shared helpers used by several rules live in :mod:`torchlint.rules.common`.
"""
