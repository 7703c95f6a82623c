"""What every layer uses and that knows nothing of WeChat or storage: settings, ids, the
secret box, a small cache, file names and links, the model bases and the domain's errors."""
