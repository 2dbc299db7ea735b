"""Host: the plugin host (hook specifications, the manager, the built-in plugins)."""
