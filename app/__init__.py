"""What the client knows and remembers: settings, state, i18n and the wire contract. No widgets."""
