/** The in-app notification centre: the caller's own notifications only (every role). */
import { z } from 'zod'
import { listNotifications, markRead, unreadCount } from '../../services/notifications.ts'
import { id } from '../inputs.ts'
import { authedProcedure, router } from '../trpc.ts'

type Row = { id: number; kind: string; title: string; body: string; link: string; problemId: number | null; supervisionId: number | null; createdAt: Date; readAt: Date | null }
const view = (n: Row) => ({
  id: n.id, kind: n.kind, title: n.title, body: n.body, link: n.link, problemId: n.problemId, supervisionId: n.supervisionId,
  createdAt: n.createdAt.toISOString(), readAt: n.readAt?.toISOString() ?? null,
})

export const notificationRouter = router({
  /** The caller's notifications, newest first. */
  list: authedProcedure
    .input(z.object({ unreadOnly: z.boolean().default(false), limit: z.number().int().min(1).max(200).default(50) }).default({ unreadOnly: false, limit: 50 }))
    .query(async ({ ctx, input }) => (await listNotifications(ctx.db, ctx.user, input)).map(view)),

  /** How many of the caller's notifications are unread (the bell's badge). */
  unreadCount: authedProcedure.query(async ({ ctx }) => ({ count: await unreadCount(ctx.db, ctx.user) })),

  /** Mark the caller's notifications read: the ids given, or all. */
  markRead: authedProcedure
    .input(z.object({ ids: z.array(id).max(500).optional(), all: z.boolean().optional() }).refine((i) => i.all || (i.ids && i.ids.length > 0), { message: '请指定要标记的通知', path: ['ids'] }))
    .mutation(async ({ ctx, input }) => ({ updated: await markRead(ctx.db, ctx.user, input, ctx.now()) })),
})
