"""Evidence bundles as a third party receives them: the offline verifier and the bundle's README.

Nothing here touches a store; ``verify_bundle.py`` runs from a bundle on its own.
"""
