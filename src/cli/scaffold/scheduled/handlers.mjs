// The scaffold's hourly job: counts today's rows in table `events` (partition key `day`,
// YYYY-MM-DD) and publishes the count. ES module with the AWS SDK v3 that the Lambda Node.js
// runtime provides.
import { DynamoDBClient, QueryCommand } from "@aws-sdk/client-dynamodb";
import { SNSClient, PublishCommand } from "@aws-sdk/client-sns";

const db = new DynamoDBClient({});
const sns = new SNSClient({});

export const summarize = async () => {
  const day = new Date().toISOString().slice(0, 10);
  let count = 0;
  let start;
  do {
    const page = await db.send(new QueryCommand({
      TableName: process.env.TABLE,
      KeyConditionExpression: "#day = :day",
      ExpressionAttributeNames: { "#day": "day" },
      ExpressionAttributeValues: { ":day": { S: day } },
      Select: "COUNT",
      ExclusiveStartKey: start,
    }));
    count += page.Count;
    start = page.LastEvaluatedKey;
  } while (start);
  await sns.send(new PublishCommand({ TopicArn: process.env.TOPIC_ARN, Message: JSON.stringify({ day, count }) }));
};
