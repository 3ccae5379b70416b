"""Storage: one interface (``base.Store``), one implementation per database."""
