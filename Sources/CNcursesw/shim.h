#ifndef CNCURSESW_SHIM_H
#define CNCURSESW_SHIM_H

/* Wide-character ncurses: the X/Open extended API, with the UTF-8 locale set by the caller. */
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1

#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

/* Macros and globals that Swift cannot import directly. */
static inline WINDOW *cn_stdscr(void) { return stdscr; }
static inline int cn_rows(void) { int y, x; getmaxyx(stdscr, y, x); (void)x; return y; }
static inline int cn_cols(void) { int y, x; getmaxyx(stdscr, y, x); (void)y; return x; }
static inline attr_t cn_a_normal(void) { return A_NORMAL; }
static inline attr_t cn_a_bold(void) { return A_BOLD; }
static inline attr_t cn_a_dim(void) { return A_DIM; }
static inline attr_t cn_a_reverse(void) { return A_REVERSE; }
static inline attr_t cn_a_underline(void) { return A_UNDERLINE; }
static inline attr_t cn_color_pair(int pair) { return COLOR_PAIR(pair); }
static inline int cn_colors(void) { return COLORS; }
static inline int cn_key_resize(void) { return KEY_RESIZE; }
/* wcwidth is declared only for X/Open sources, as here. */
static inline int cn_wcwidth(wchar_t c) { return wcwidth(c); }
static inline int cn_key_mouse(void) { return KEY_MOUSE; }
/* Wheel events only: ncurses reports the wheel as buttons 4 (up) and 5 (down). */
static inline void cn_enable_wheel(void) { mousemask(BUTTON4_PRESSED | BUTTON5_PRESSED, NULL); mouseinterval(0); }
/* 1 for wheel up, -1 for wheel down, 0 for any other mouse event. */
static inline int cn_wheel_event(void) {
    MEVENT event;
    if (getmouse(&event) != OK) return 0;
    if (event.bstate & BUTTON4_PRESSED) return 1;
#ifdef BUTTON5_PRESSED
    if (event.bstate & BUTTON5_PRESSED) return -1;
#endif
    return 0;
}

#endif
