"""Files the app serves to browsers: the built console and the API viewer."""
