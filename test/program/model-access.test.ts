import { strict as assert } from "node:assert";
import { modelAccessStatements } from "../../components/model-access";

const where = { region: "us-east-1", accountId: "123456789012", partition: "aws" };

describe("model access statements", () => {
  it("grants a plain model id its foundation-model ARN in the model's region only", () => {
    const statements = modelAccessStatements({
      ...where,
      modelId: "anthropic.claude-3-5-haiku-20241022-v1:0",
    });
    assert.equal(statements.length, 1);
    assert.deepEqual(statements[0].Action, [
      "bedrock:InvokeModel",
      "bedrock:InvokeModelWithResponseStream",
    ]);
    assert.equal(
      statements[0].Resource,
      "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0",
    );
  });

  it("grants an inference profile its profile ARN and the routed foundation model, tied by condition", () => {
    const statements = modelAccessStatements({
      ...where,
      modelId: "us.anthropic.claude-haiku-4-5-20251001-v1:0",
    });
    const profileArn =
      "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0";
    assert.equal(statements[0].Resource, profileArn);
    assert.deepEqual(statements[1].Resource, [
      "arn:aws:bedrock:*::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
    ]);
    assert.deepEqual(statements[1].Condition, {
      StringEquals: { "bedrock:InferenceProfileArn": profileArn },
    });
  });

  it("adds the region-less foundation-model ARN for global profiles", () => {
    const statements = modelAccessStatements({
      ...where,
      modelId: "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
    });
    assert.deepEqual(statements[1].Resource, [
      "arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
      "arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
    ]);
  });

  for (const prefix of ["eu", "apac"]) {
    it(`treats ${prefix}. ids as inference profiles`, () => {
      const statements = modelAccessStatements({
        ...where,
        modelId: `${prefix}.amazon.nova-lite-v1:0`,
      });
      assert.match(
        String(statements[0].Resource),
        new RegExp(`inference-profile/${prefix}\\.amazon\\.nova-lite-v1:0$`),
      );
    });
  }
});
