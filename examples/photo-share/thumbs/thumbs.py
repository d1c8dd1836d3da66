"""make-thumbnail: a 256-pixel JPEG of each original uploaded under uploads/, written to the
thumbs bucket under the same name. Pillow is vendored into this folder for deploys
(`pip install pillow --platform manylinux2014_aarch64 --only-binary=:all: --target thumbs/`);
without it the original is copied unchanged, so the flow still runs end to end."""

import io
import os
import urllib.parse

import boto3

try:
    from PIL import Image
except ImportError:
    Image = None

s3 = boto3.client("s3")


def handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        if Image is not None:
            image = Image.open(io.BytesIO(body))
            image.thumbnail((256, 256))
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=85)
            body = out.getvalue()
        s3.put_object(
            Bucket=os.environ["THUMBS"],
            Key=key.removeprefix("uploads/"),
            Body=body,
            ContentType="image/jpeg",
        )
