"""What tests share: data builders, settings and helpers. Test modules import
these from here, never from one another."""
