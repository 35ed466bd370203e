// The type of an object that implements a generated service class: for every method of the stub
// (`login(request): Promise<LoginResponse>`) an async function taking the request (and the call's
// context) and resolving to the response as plain fields. The services of src/services fit it
// as they are, and the compiler checks each method's request and response types.
import type { CallContext } from './call-context.js';

type StubMethodKeys<S> = {
  [K in keyof S]: S[K] extends { readonly path: string; readonly requestType: string } ? K : never;
}[keyof S];

/** A generated message class instance seen as its fields: methods dropped, every field optional (null too, as in the generated $Properties). */
export type MessageFields<M> = { [F in keyof M as M[F] extends (...args: never[]) => unknown ? never : F]?: M[F] | null };

export type ServiceImpl<S> = {
  [K in StubMethodKeys<S>]: S[K] extends (request: infer Req) => Promise<infer Res>
    ? (request: Req, context: CallContext) => Promise<MessageFields<Res>>
    : never;
};
