"""Files of an exchange on disk: uploads, archives, cleanup."""
