import { StrictMode, useEffect, useState } from 'react'
import { createRoot } from 'react-dom/client'
import { QueryClientProvider } from '@tanstack/react-query'
import './styles.css'
import { makeQueryClient, makeTrpcClient, TRPCProvider } from './api.ts'
import { App } from './app/App.tsx'
import { onServiceWorkerControl } from './offline/registerSW.ts'

function Root() {
  const [queryClient] = useState(makeQueryClient)
  const [trpcClient] = useState(makeTrpcClient)
  // when the service worker first takes over, read again through it so it caches what is on screen
  useEffect(() => onServiceWorkerControl(() => { void queryClient.invalidateQueries() }), [queryClient])
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <App />
      </TRPCProvider>
    </QueryClientProvider>
  )
}

// the service worker registers after the first signed-in screen (App.tsx), not while it loads

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
)
