"""What every layer uses and that knows nothing of WeChat or storage: settings, ids, the
secret box, a small cache, file names and links, base64url for the tokens we hand out, the
model bases, the domain's errors and the metrics (names only: it imports no WeChat or storage)."""
