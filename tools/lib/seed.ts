/** The seed the CLI and the grader use unless told otherwise: what passes in `npm start` passes in `npm run grade`. */
export const DEFAULT_SEED = 20261122;
