"""Partners: sites that embed the widget, and the widget's releases."""
