// The agent's tools. To add one, write it in its own file in this folder (see current-time.ts)
// and list it here.
import { currentTime } from "./current-time.js";

export const tools = [currentTime];
