/**
 * tRPC + TanStack Query wiring. Types come from the server's router; nothing here re-declares them.
 */
import { QueryClient } from '@tanstack/react-query'
import { createTRPCClient, httpBatchLink, httpLink, splitLink, TRPCClientError } from '@trpc/client'
import { createTRPCContext } from '@trpc/tanstack-react-query'
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server'
import type { AppRouter } from '../server/api/root.ts'
import { isOfflineRead } from './offline/reads.ts'

export type RouterOutputs = inferRouterOutputs<AppRouter>
export type RouterInputs = inferRouterInputs<AppRouter>

export type Me = NonNullable<RouterOutputs['auth']['me']>
export type GridCollection = RouterOutputs['grid']['list']
export type GridFeature = GridCollection['features'][number]
export type GridProperties = GridFeature['properties']
export type GridDetail = RouterOutputs['grid']['byId']
export type GridLevel = RouterInputs['grid']['list']['level']
export type InspectionStatus = GridProperties['inspectionStatus']
export type SearchHit = RouterOutputs['grid']['search'][number]
export type AppConfig = RouterOutputs['meta']['config']

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>()

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        // An expired session or a forbidden call will not heal by retrying.
        retry: (count, err) => !isAuthError(err) && count < 2,
        // offline, a read still goes out: the service worker answers it from its cache (client/offline/)
        networkMode: 'offlineFirst',
      },
      // a write while offline fails at once (the forms then queue it) instead of pausing unseen
      mutations: { networkMode: 'always' },
    },
  })
}

/** The server refuses batches of more than 20 calls (TRPC_MAX_BATCH) and `auth.*` inside a batch. */
export const MAX_BATCH = 20

export function makeTrpcClient() {
  return createTRPCClient<AppRouter>({
    links: [splitLink({
      // the reads kept for offline use go one per request, so each has one stable URL to cache
      condition: (op) => op.path.startsWith('auth.') || isOfflineRead(op.path),
      true: httpLink({ url: '/trpc' }),
      false: httpBatchLink({ url: '/trpc', maxItems: MAX_BATCH }),
    })],
  })
}

export function isAuthError(err: unknown): boolean {
  return err instanceof TRPCClientError && (err.data as { code?: string } | undefined)?.code === 'UNAUTHORIZED'
}
