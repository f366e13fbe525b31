# Stages the player page into the build tree (build/player), where `gearbox serve` finds it
# beside build/tools/gearbox. Run at every build (cmake -P), so `npm ci` after configuring is
# picked up. Without node_modules the page is staged alone and gearbox serve says what to run.
# -DSRC=tools/player -DDST=build/player
foreach(f index.html player.js player.css)
  file(COPY "${SRC}/${f}" DESTINATION "${DST}")
endforeach()

# The players' browser builds, and their licences beside them.
set(libs
  "dashjs/dist/modern/umd/dash.all.min.js"
  "dashjs/dist/modern/umd/dash.all.min.js.LICENSE.txt"
  "dashjs/LICENSE.md|dashjs.LICENSE.md"
  "hls.js/dist/hls.min.js"
  "hls.js/LICENSE|hls.js.LICENSE")
set(missing "")
foreach(entry ${libs})
  string(REPLACE "|" ";" parts "${entry}")
  list(GET parts 0 from)
  list(LENGTH parts n)
  if(n EQUAL 2)
    list(GET parts 1 to)
  else()
    get_filename_component(to "${from}" NAME)
  endif()
  set(path "${SRC}/node_modules/${from}")
  if(EXISTS "${path}")
    # configure_file rewrites the copy only when the content changed.
    configure_file("${path}" "${DST}/${to}" COPYONLY)
  else()
    list(APPEND missing "${from}")
  endif()
endforeach()
if(missing)
  message(STATUS "player page: ${SRC}/node_modules lacks ${missing}; run tools/setup.sh "
                 "(or npm ci in tools/player) for the page that gearbox serve shows")
endif()
