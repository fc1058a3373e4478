/** User administration (admin only). Password hashes never leave the server or enter the audit log. */
import { z } from 'zod'
import { createUser, updateUser, userView } from '../../services/admin.ts'
import { id, text } from '../inputs.ts'
import { ROLES } from '../permissions.ts'
import { authedProcedure, router } from '../trpc.ts'

const login = z.string().trim().min(2).max(64).regex(/^[A-Za-z0-9_.-]+$/, '登录名只能包含字母、数字、下划线、点和连字符')
const password = z.string().min(8, '密码至少 8 位').max(256)

export const userRouter = router({
  list: authedProcedure.query(async ({ ctx }) => {
    const rows = await ctx.db.user.findMany({ include: { department: { select: { name: true } } }, orderBy: { id: 'asc' } })
    return rows.map(userView)
  }),

  create: authedProcedure
    .input(z.object({ login, displayName: text(50).min(1), role: z.enum(ROLES), departmentId: id.nullable(), password }))
    .mutation(({ ctx, input }) => createUser(ctx.db, ctx.user.id, input)),

  /**
   * Change a user's name, role, department or password. Any change ends the user's sessions, so a
   * demoted user loses the old rights at once.
   */
  update: authedProcedure
    .input(z.object({ id, displayName: text(50).min(1).optional(), role: z.enum(ROLES).optional(), departmentId: id.nullable().optional(), password: password.optional() }))
    .mutation(({ ctx, input }) => updateUser(ctx.db, ctx.user.id, input)),
})
