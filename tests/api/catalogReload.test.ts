/** Several server processes on one database: a grid change made elsewhere reaches this catalog. */
import { afterAll, describe, expect, it } from 'vitest'
import { createDb, type Db } from '../../server/db/client.ts'
import { GridCatalog } from '../../server/services/gridCatalog.ts'
import { freshDatabase, testDatabases } from '../support/appServer.ts'

describe.each(testDatabases())('grid catalog reload on %s', (kind) => {
  const cleanup: (() => Promise<void>)[] = []
  afterAll(async () => { for (const c of cleanup) await c() })

  it('reloads when another process changed the grid table, and only then', async () => {
    const fresh = await freshDatabase(kind)
    const here: Db = await createDb(fresh.config)
    const elsewhere: Db = await createDb(fresh.config)
    cleanup.push(async () => { await here.$disconnect(); await elsewhere.$disconnect(); await fresh.drop() })
    const catalog = await GridCatalog.load(here)
    const generation = catalog.generation
    expect(await catalog.reloadIfChanged(here)).toBe(false)
    expect(catalog.generation).toBe(generation)

    const grid = catalog.list('community').find((g) => g.name === '均家滩社区')!
    await elsewhere.grid.update({ where: { id: grid.id }, data: { name: '均家滩社区（新）', version: { increment: 1 } } })
    expect(await catalog.reloadIfChanged(here)).toBe(true)
    expect(catalog.get(grid.id)?.name).toBe('均家滩社区（新）')
    expect(catalog.generation).toBe(generation + 1)
    expect(await catalog.reloadIfChanged(here)).toBe(false)
  })
})
