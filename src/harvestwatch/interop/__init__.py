"""Exchange with other tools' formats (FollowTheMoney for Aleph and OpenSanctions)."""
