"""Reference data: postcodes, constituencies and their sitting MPs."""
