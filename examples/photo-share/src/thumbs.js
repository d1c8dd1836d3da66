// drop-thumbnail: an original removed from uploads/ takes its thumbnail with it.
const { S3Client, DeleteObjectCommand } = require("@aws-sdk/client-s3");

const s3 = new S3Client({});

exports.drop = async (event) => {
  for (const record of event.Records ?? []) {
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, " "));
    const thumb = key.replace(/^uploads\//, "");
    await s3.send(new DeleteObjectCommand({ Bucket: process.env.THUMBS, Key: thumb }));
  }
};
