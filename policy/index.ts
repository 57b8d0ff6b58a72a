import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, packArgs } from "./pack";

// Starts the analyzer's gRPC server and prints its port for the Pulumi CLI. Never import this
// module from tests: import ./pack or the policy modules instead.
new PolicyPack(PACK_NAME, packArgs);
