/** Strings of the sign-in page. zh-CN first. */
import { defineText } from '../../../server/domain/vocabulary/lang.ts'

export const authText = defineText({
  zh: {
    'login.title': '登录',
    'login.login': '账号',
    'login.password': '密码',
    'login.submit': '登录',
    'login.submitting': '正在登录…',
    'login.hint': '演示账号：leader / leader123（市领导），rfb / rfb123（市人防办），planner / planner123',
    'login.failed': '登录失败',
  },
  en: {
    'login.title': 'Sign in',
    'login.login': 'Login',
    'login.password': 'Password',
    'login.submit': 'Sign in',
    'login.submitting': 'Signing in…',
    'login.hint': 'Demo logins: leader / leader123 (city leader), rfb / rfb123 (civil air defence office), planner / planner123',
    'login.failed': 'Sign-in failed',
  },
})
