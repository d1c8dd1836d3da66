// The scaffold's pipeline: each object created under `incoming/` in the inbox is processed
// (here: upper-cased) into the outbox under the same name. ES module with the AWS SDK v3 that
// the Lambda Node.js runtime provides.
import { S3Client, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";

const s3 = new S3Client({});

export const transform = async (event) => {
  for (const record of event.Records) {
    const bucket = record.s3.bucket.name;
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, " "));
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = await object.Body.transformToString();
    const name = key.slice("incoming/".length);
    await s3.send(new PutObjectCommand({ Bucket: process.env.OUTBOX, Key: name, Body: text.toUpperCase() }));
  }
};
