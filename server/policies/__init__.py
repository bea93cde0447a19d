"""Business rules as pure functions over plain facts: decided here, applied by the mutators."""
