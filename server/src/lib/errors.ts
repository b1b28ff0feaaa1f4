/** An error whose message is safe and useful to show to the API client. */
export class HttpError extends Error {
  constructor(
    public readonly statusCode: number,
    message: string,
    public readonly details?: unknown,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The hub cannot take this now; nothing was recorded and the client should retry after `retryAfterSeconds`. */
export class ServiceUnavailableError extends HttpError {
  constructor(
    message: string,
    public readonly retryAfterSeconds: number,
  ) {
    super(503, message);
    this.name = 'ServiceUnavailableError';
  }
}

export const badRequest = (message: string, details?: unknown) => new HttpError(400, message, details);
export const notFound = (what = 'resource') => new HttpError(404, `${what} not found`);
export const forbidden = (message = 'forbidden') => new HttpError(403, message);
export const conflict = (message: string) => new HttpError(409, message);
export const unprocessable = (message: string, details?: unknown) => new HttpError(422, message, details);
