"""What every layer uses and that knows nothing of WeChat or storage: settings, ids, the
secret box, a small cache, file names and links, and the request/response model bases."""
