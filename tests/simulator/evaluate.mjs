// Test-only reference evaluator. Reads one JSON job per line on stdin:
//   {"policies": [document, ...], "boundary": document | null, "requests": [{action, resource, account, context}]}
// and writes, per job, one JSON line: each request's decision ("Allowed", "ExplicitlyDenied",
// "ImplicitlyDenied"), or "invalid" when the simulator refuses the request (an action that does not act on
// that resource type, say).
import { runSimulation } from '@cloud-copilot/iam-simulate'
import readline from 'node:readline'

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
for await (const line of lines) {
  if (!line.trim()) continue
  const job = JSON.parse(line)
  const decisions = []
  for (const request of job.requests) {
    const result = await runSimulation(
      {
        request: {
          principal: `arn:aws:iam::${request.account}:role/app`,
          action: request.action,
          resource: { resource: request.resource, accountId: request.account },
          contextVariables: request.context,
        },
        identityPolicies: job.policies.map((policy, index) => ({ name: `policy${index}`, policy })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        permissionBoundaryPolicies: job.boundary ? [{ name: 'boundary', policy: job.boundary }] : undefined,
        // Tag conditions are evaluated as written, S3 objects included (ABAC on).
        additionalSettings: { s3: { bucketAbacEnabled: true } },
      },
      {},
    )
    decisions.push(result.resultType === 'error' ? 'invalid' : result.overallResult)
  }
  process.stdout.write(JSON.stringify(decisions) + '\n')
}
