// photo-share's photo routes and table stream. CommonJS with the AWS SDK v3 that the Lambda
// Node.js runtime provides: nothing to bundle. Names come from the env the spec sets.
const { DynamoDBClient, GetItemCommand, PutItemCommand } = require("@aws-sdk/client-dynamodb");
const { randomUUID } = require("node:crypto");

const db = new DynamoDBClient({});
const json = (statusCode, body) => ({
  statusCode,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

// S3 is loaded only by the handlers that use it.
const s3 = () => {
  const { S3Client } = require("@aws-sdk/client-s3");
  return new S3Client({});
};

// GET /photos/{id}: the photo's record (table `photo-meta`, read).
exports.get = async (event) => {
  const id = event.pathParameters?.id;
  const { Item } = await db.send(
    new GetItemCommand({ TableName: process.env.TABLE, Key: { id: { S: id } } }),
  );
  if (!Item) return json(404, { message: `no photo ${id}` });
  return json(200, { id, key: Item.key.S, created_at: Item.created_at.S });
};

// POST /photos: records a new photo, then returns a 5-minute signed PUT URL under uploads/.
exports.uploadUrl = async () => {
  const { PutObjectCommand } = require("@aws-sdk/client-s3");
  const { getSignedUrl } = require("@aws-sdk/s3-request-presigner");
  const id = randomUUID();
  const key = `uploads/${id}.jpg`;
  await db.send(
    new PutItemCommand({
      TableName: process.env.TABLE,
      Item: { id: { S: id }, key: { S: key }, created_at: { S: new Date().toISOString() } },
      ConditionExpression: "attribute_not_exists(id)",
    }),
  );
  const put = new PutObjectCommand({ Bucket: process.env.BUCKET, Key: key, ContentType: "image/jpeg" });
  return json(201, { id, url: await getSignedUrl(s3(), put, { expiresIn: 300 }) });
};

// Table stream: a removed row (TTL expiry or delete) takes its original with it.
exports.cleanup = async (event) => {
  const { DeleteObjectCommand } = require("@aws-sdk/client-s3");
  const client = s3();
  for (const record of event.Records ?? []) {
    const key = record.eventName === "REMOVE" ? record.dynamodb?.OldImage?.key?.S : undefined;
    if (key?.startsWith("uploads/")) {
      await client.send(new DeleteObjectCommand({ Bucket: process.env.BUCKET, Key: key }));
    }
  }
};
