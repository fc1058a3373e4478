/** User administration (admin only). Password hashes never leave the server or enter the audit log. */
import { z } from 'zod'
import { hashPassword } from '../../auth/password.ts'
import { writeAudit } from '../../services/audit.ts'
import { badInput, conflict, notFound } from '../../domain/errors.ts'
import { id, text } from '../inputs.ts'
import { ROLES } from '../permissions.ts'
import { authedProcedure, router } from '../trpc.ts'

const login = z.string().trim().min(2).max(64).regex(/^[A-Za-z0-9_.-]+$/, '登录名只能包含字母、数字、下划线、点和连字符')
const password = z.string().min(8, '密码至少 8 位').max(256)

type UserRow = { id: number; login: string; displayName: string; role: string; departmentId: number | null; createdAt: Date; department?: { name: string } | null }
const view = (u: UserRow) => ({
  id: u.id, login: u.login, displayName: u.displayName, role: u.role, departmentId: u.departmentId,
  departmentName: u.department?.name ?? null, createdAt: u.createdAt.toISOString(),
})

async function checkRoleDepartment(db: { department: { findUnique(a: { where: { id: number } }): Promise<unknown> } }, role: string, departmentId: number | null) {
  if (role === 'department' && departmentId === null) throw badInput('部门用户必须指定所属部门', 'DEPARTMENT_REQUIRED')
  if (departmentId !== null && !(await db.department.findUnique({ where: { id: departmentId } }))) throw notFound('部门', 'DEPARTMENT_NOT_FOUND')
}

export const userRouter = router({
  list: authedProcedure.query(async ({ ctx }) => {
    const rows = await ctx.db.user.findMany({ include: { department: { select: { name: true } } }, orderBy: { id: 'asc' } })
    return rows.map(view)
  }),

  create: authedProcedure
    .input(z.object({ login, displayName: text(50).min(1), role: z.enum(ROLES), departmentId: id.nullable(), password }))
    .mutation(async ({ ctx, input }) => {
      await checkRoleDepartment(ctx.db, input.role, input.departmentId)
      if (await ctx.db.user.findUnique({ where: { login: input.login } })) throw conflict(`登录名 ${input.login} 已存在`, 'LOGIN_TAKEN')
      const passwordHash = await hashPassword(input.password)
      const row = await ctx.db.$transaction(async (tx) => {
        const u = await tx.user.create({ data: { login: input.login, displayName: input.displayName, role: input.role, departmentId: input.departmentId, passwordHash }, include: { department: { select: { name: true } } } })
        await writeAudit(tx, { actorId: ctx.user.id, action: 'user.create', entity: 'user', entityId: u.id, before: null, after: view(u) })
        return u
      })
      return view(row)
    }),

  /**
   * Change a user's name, role, department or password. Any change ends the user's sessions, so a
   * demoted user loses the old rights at once.
   */
  update: authedProcedure
    .input(z.object({ id, displayName: text(50).min(1).optional(), role: z.enum(ROLES).optional(), departmentId: id.nullable().optional(), password: password.optional() }))
    .mutation(async ({ ctx, input }) => {
      const before = await ctx.db.user.findUnique({ where: { id: input.id }, include: { department: { select: { name: true } } } })
      if (!before) throw notFound('用户', 'USER_NOT_FOUND')
      const role = input.role ?? before.role
      const departmentId = input.departmentId === undefined ? before.departmentId : input.departmentId
      await checkRoleDepartment(ctx.db, role, departmentId)
      if (before.id === ctx.user.id && role !== 'admin') throw badInput('不能取消自己的管理员角色', 'CANNOT_DEMOTE_SELF')
      const passwordHash = input.password ? await hashPassword(input.password) : undefined
      const row = await ctx.db.$transaction(async (tx) => {
        const u = await tx.user.update({
          where: { id: input.id },
          data: { displayName: input.displayName, role, departmentId, ...(passwordHash ? { passwordHash } : {}) },
          include: { department: { select: { name: true } } },
        })
        await tx.session.deleteMany({ where: { userId: u.id } })
        await writeAudit(tx, { actorId: ctx.user.id, action: 'user.update', entity: 'user', entityId: u.id, before: view(before), after: { ...view(u), passwordChanged: Boolean(passwordHash) } })
        return u
      })
      return view(row)
    }),
})
