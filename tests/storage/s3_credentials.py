"""The test credentials the S3 server fixture hands out; tests look for them in every output file and log."""

KEY_ID = "MGLLTESTKEYID7Q2W9Z"
SECRET = "mgll-test-secret-Zq81xKp3Lr"
