// The scaffold's job queue: `submit` queues the request body, `work` records each job in
// table `results`. ES module with the AWS SDK v3 that the Lambda Node.js runtime provides.
import { SQSClient, SendMessageCommand } from "@aws-sdk/client-sqs";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";

const sqs = new SQSClient({});
const db = new DynamoDBClient({});

// POST /jobs: queues the body and answers with the job's id.
export const submit = async (event) => {
  const { MessageId } = await sqs.send(
    new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: event.body ?? "{}" }),
  );
  return { statusCode: 202, body: JSON.stringify({ id: MessageId }) };
};

// Queue event: records each job. A failure is reported per message, so only the failed ones
// come back (and reach `failed-jobs` after three tries).
export const work = async (event) => {
  const batchItemFailures = [];
  for (const record of event.Records) {
    try {
      const item = { id: { S: record.messageId }, body: { S: record.body }, done_at: { N: String(Date.now()) } };
      await db.send(new PutItemCommand({ TableName: process.env.TABLE, Item: item }));
    } catch (err) {
      console.error(record.messageId, err);
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
