// Tests and hooks of the integration layer get 30 s by default: closing an app whose
// consumers leave their groups (each bounded at 3 s) or stopping a process that drains
// for a few seconds takes longer than Jest's 5 s. (A project's `testTimeout` does not
// reach hooks; this does.)
jest.setTimeout(30_000);
