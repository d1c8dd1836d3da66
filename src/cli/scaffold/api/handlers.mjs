// The scaffold's two routes over table `items` (env TABLE). ES module with the AWS SDK v3
// that the Lambda Node.js runtime provides: nothing to bundle.
import { DynamoDBClient, ScanCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";

const db = new DynamoDBClient({});

// GET /items: up to 50 items.
export const list = async () => {
  const { Items = [] } = await db.send(new ScanCommand({ TableName: process.env.TABLE, Limit: 50 }));
  return { statusCode: 200, body: JSON.stringify(Items) };
};

// PUT /items/{id}: stores the request body under the id.
export const put = async (event) => {
  const id = event.pathParameters.id;
  const item = { id: { S: id }, body: { S: event.body ?? "" } };
  await db.send(new PutItemCommand({ TableName: process.env.TABLE, Item: item }));
  return { statusCode: 204 };
};
